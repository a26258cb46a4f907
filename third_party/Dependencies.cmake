# Finds the Debian packages Pigment builds against. Nothing here is vendored:
# each dependency comes from the system, and a missing one stops configure with
# the package to install (tools/install-deps.sh installs them all).

function(pigment_require_package cmake_name debian_package)
  find_package(${cmake_name} ${ARGN} QUIET)
  if(NOT ${cmake_name}_FOUND)
    message(FATAL_ERROR "Pigment needs ${cmake_name}: install the Debian package '${debian_package}' "
                        "(sudo apt-get install ${debian_package}, or run tools/install-deps.sh).")
  endif()
endfunction()

pigment_require_package(fmt libfmt-dev)
pigment_require_package(nlohmann_json nlohmann-json3-dev)
pigment_require_package(CLI11 libcli11-dev)
if(PIGMENT_BUILD_TESTS)
  pigment_require_package(Catch2 catch2)
  if(Catch2_VERSION VERSION_GREATER_EQUAL 3)
    message(FATAL_ERROR "Pigment's tests are written for Catch2 v2 (Debian bookworm's 'catch2'); found ${Catch2_VERSION}.")
  endif()
endif()
if(PIGMENT_BUILD_BENCH)
  pigment_require_package(benchmark libbenchmark-dev)
endif()
# cpp-httplib (gan-serve) ships a pkg-config file, no CMake config.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PIGMENT_HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
endif()
if(NOT PIGMENT_HTTPLIB_FOUND)
  message(FATAL_ERROR "Pigment's gan-serve needs cpp-httplib: install the Debian package 'libcpp-httplib-dev' "
                      "(and 'pkg-config'), or run tools/install-deps.sh.")
endif()
find_package(OpenMP QUIET)
if(NOT OpenMP_CXX_FOUND)
  message(FATAL_ERROR "Pigment's CPU backend needs OpenMP: install 'libgomp1' (part of gcc; 'build-essential').")
endif()

# stb ships headers only, no CMake config: find stb_image.h.
find_path(PIGMENT_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
if(NOT PIGMENT_STB_INCLUDE_DIR)
  message(FATAL_ERROR "Pigment needs stb_image.h: install the Debian package 'libstb-dev'.")
endif()
add_library(pigment_stb INTERFACE)
target_include_directories(pigment_stb SYSTEM INTERFACE ${PIGMENT_STB_INCLUDE_DIR})

if(PIGMENT_SIMT)
  # The SIMT harness implements the handful of cuDNN calls the context makes: headers only.
  find_path(PIGMENT_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/include /usr/include)
  if(NOT PIGMENT_CUDNN_INCLUDE_DIR)
    message(FATAL_ERROR "PIGMENT_CUDA=SIMT needs cudnn.h (cuDNN 9's headers, for the API's declarations): install "
                        "NVIDIA's 'cudnn9-cuda-13' (or 'libcudnn9-dev-cuda-13') package.")
  endif()
  add_library(pigment_cudnn INTERFACE)
  target_include_directories(pigment_cudnn SYSTEM INTERFACE ${PIGMENT_CUDNN_INCLUDE_DIR})
elseif(PIGMENT_WITH_CUDA)
  find_path(PIGMENT_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/include /usr/include)
  find_library(PIGMENT_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/lib /usr/lib/x86_64-linux-gnu)
  if(NOT PIGMENT_CUDNN_INCLUDE_DIR OR NOT PIGMENT_CUDNN_LIBRARY)
    message(FATAL_ERROR "The CUDA backend needs cuDNN 9: install NVIDIA's 'cudnn9-cuda-13' (or 'libcudnn9-dev-cuda-13') "
                        "package, or configure with -DPIGMENT_CUDA=OFF.")
  endif()
  add_library(pigment_cudnn INTERFACE)
  target_include_directories(pigment_cudnn SYSTEM INTERFACE ${PIGMENT_CUDNN_INCLUDE_DIR})
  target_link_libraries(pigment_cudnn INTERFACE ${PIGMENT_CUDNN_LIBRARY})
endif()

# Data parallelism (engine/distributed/): Open MPI between CPU processes; NCCL between GPUs when the
# CUDA toolkit (or libnccl-dev) has it.
if(PIGMENT_WITH_MPI)
  pigment_require_package(MPI libopenmpi-dev COMPONENTS CXX)
endif()
set(PIGMENT_WITH_NCCL OFF)
if(PIGMENT_WITH_CUDA AND NOT PIGMENT_SIMT)
  find_path(PIGMENT_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/include /usr/include)
  find_library(PIGMENT_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/lib /usr/lib/x86_64-linux-gnu)
  if(PIGMENT_NCCL_INCLUDE_DIR AND PIGMENT_NCCL_LIBRARY)
    set(PIGMENT_WITH_NCCL ON)
    add_library(pigment_nccl INTERFACE)
    target_include_directories(pigment_nccl SYSTEM INTERFACE ${PIGMENT_NCCL_INCLUDE_DIR})
    target_link_libraries(pigment_nccl INTERFACE ${PIGMENT_NCCL_LIBRARY})
  else()
    message(STATUS "Pigment: NCCL not found (nccl.h, libnccl): training on several GPUs is off in this build "
                   "(install 'libnccl-dev')")
  endif()
endif()
