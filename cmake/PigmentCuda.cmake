# Decides whether the CUDA backend is built (PIGMENT_WITH_CUDA), and how, from PIGMENT_CUDA:
#   AUTO  nvcc when found, else CPU only      ON  nvcc, or stop      OFF  CPU only
#   SIMT  the CUDA backend's source compiled as C++ and run on the CPU by the SIMT harness
#         (engine/simt/): no GPU and no nvcc needed, only the toolkit's headers, which declare the
#         runtime, cuBLAS and cuDNN calls the harness implements. Use a build folder of its own.
# A CUDA toolkit without a GPU is the normal build situation: compiling needs only nvcc.
#
# PIGMENT_SANITIZE (any build; thread needs SIMT):
#   address  AddressSanitizer + UndefinedBehaviorSanitizer on every target
#   thread   ThreadSanitizer on the CUDA sources only — the kernels — as a shared-memory race
#            detector between barriers; the harness's scheduler is left uninstrumented.
include(CheckLanguage)

set(PIGMENT_WITH_CUDA OFF)
set(PIGMENT_SIMT OFF)
string(TOUPPER "${PIGMENT_CUDA}" _pigment_cuda)
if(_pigment_cuda STREQUAL "AUTO")
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(PIGMENT_WITH_CUDA ON)
  else()
    message(STATUS "Pigment: nvcc not found, building the CPU backend only (PIGMENT_CUDA=AUTO)")
  endif()
elseif(_pigment_cuda STREQUAL "ON")
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "PIGMENT_CUDA=ON but no CUDA compiler was found. Install the CUDA toolkit "
                        "(nvcc on PATH, or set CMAKE_CUDA_COMPILER), or configure with -DPIGMENT_CUDA=OFF.")
  endif()
  set(PIGMENT_WITH_CUDA ON)
elseif(_pigment_cuda STREQUAL "SIMT")
  set(PIGMENT_WITH_CUDA ON)
  set(PIGMENT_SIMT ON)
elseif(NOT _pigment_cuda STREQUAL "OFF")
  message(FATAL_ERROR "PIGMENT_CUDA must be AUTO, ON, OFF or SIMT (got '${PIGMENT_CUDA}')")
endif()

if(PIGMENT_SIMT)
  find_package(CUDAToolkit QUIET)
  if(NOT CUDAToolkit_FOUND)
    message(FATAL_ERROR "PIGMENT_CUDA=SIMT compiles the CUDA kernels as C++ against the CUDA toolkit's headers "
                        "(cuda_runtime.h, cublas_v2.h, cudnn.h), which it did not find: install the CUDA toolkit "
                        "(or set CUDAToolkit_ROOT). No GPU and no CUDA library is used.")
  endif()
  find_package(Boost 1.74 QUIET COMPONENTS context)
  if(NOT Boost_CONTEXT_FOUND)
    message(FATAL_ERROR "PIGMENT_CUDA=SIMT runs each CUDA thread as a fiber of Boost.Context: install the Debian "
                        "package 'libboost-context-dev' (or run tools/install-deps.sh).")
  endif()
elseif(PIGMENT_WITH_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)   # A100 and H100/H200
  endif()
  enable_language(CUDA)
  # CMake 3.25 knows no CUDA20 dialect for nvcc and would derive a required one from
  # CMAKE_CXX_STANDARD; C++20 is passed as -std=c++20 in pigment_flags instead (nvcc 12+).
  set(CMAKE_CUDA_STANDARD_REQUIRED OFF)
  find_package(CUDAToolkit REQUIRED)
endif()

set(PIGMENT_SANITIZE "" CACHE STRING "Build with sanitizers: empty (none), address (ASan+UBSan) or thread (TSan, SIMT builds)")
set_property(CACHE PIGMENT_SANITIZE PROPERTY STRINGS "" address thread)
if(PIGMENT_SANITIZE STREQUAL "thread" AND NOT PIGMENT_SIMT)
  message(FATAL_ERROR "PIGMENT_SANITIZE=thread instruments the CUDA kernels run by the SIMT harness: configure with "
                      "-DPIGMENT_CUDA=SIMT")
elseif(NOT PIGMENT_SANITIZE MATCHES "^(|address|thread)$")
  message(FATAL_ERROR "PIGMENT_SANITIZE must be empty, address or thread (got '${PIGMENT_SANITIZE}')")
endif()

# pigment_add_cuda_sources(TARGET FILES…): the CUDA sources of a target. Under nvcc they are CUDA;
# in SIMT builds they are C++ with the harness's header force-included (the same files, unchanged).
function(pigment_add_cuda_sources target)
  target_sources(${target} PRIVATE ${ARGN})
  if(PIGMENT_SIMT)
    set(options -include ${PROJECT_SOURCE_DIR}/engine/simt/simt.h
                -Wno-unknown-pragmas)  # #pragma unroll is nvcc's
    if(PIGMENT_SANITIZE STREQUAL "thread")
      list(APPEND options -fsanitize=thread)
    endif()
    set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES LANGUAGE CXX COMPILE_OPTIONS "${options}")
  endif()
endfunction()
