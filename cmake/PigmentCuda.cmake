# Decides whether the CUDA backend is built (PIGMENT_WITH_CUDA) from PIGMENT_CUDA.
# A CUDA toolkit without a GPU is the normal build situation: compiling needs only nvcc.
include(CheckLanguage)

set(PIGMENT_WITH_CUDA OFF)
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
elseif(NOT _pigment_cuda STREQUAL "OFF")
  message(FATAL_ERROR "PIGMENT_CUDA must be AUTO, ON or OFF (got '${PIGMENT_CUDA}')")
endif()

if(PIGMENT_WITH_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)   # A100 and H100/H200
  endif()
  enable_language(CUDA)
  # CMake 3.25 knows no CUDA20 dialect for nvcc and would derive a required one from
  # CMAKE_CXX_STANDARD; C++20 is passed as -std=c++20 in pigment_flags instead (nvcc 12+).
  set(CMAKE_CUDA_STANDARD_REQUIRED OFF)
  find_package(CUDAToolkit REQUIRED)
endif()
