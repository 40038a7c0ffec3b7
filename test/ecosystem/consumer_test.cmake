# One step of the consumer tests, run with `cmake -P` by the tests that
# test/ecosystem/CMakeLists.txt registers. MODE selects it:
#   install           install BUILD_DIR into PREFIX, replacing what was there
#   find_package      build find_package/ against PREFIX, then run it
#   pkg_config        compile pkg_config_consumer.cpp with the flags of
#                     `pkg-config --cflags --libs swr-async` from PREFIX, then run it
#   add_subdirectory  build add_subdirectory/ with SOURCE_DIR as the
#   fetchcontent      swr-async checkout (or fetchcontent/), then run it
# The other variables: CONSUMER_DIR (this folder), WORK_DIR (a scratch folder
# of the test), the main build's GENERATOR, MAKE_PROGRAM, CXX_COMPILER,
# LAUNCHER (may be empty), BUILD_TYPE, CXX_FLAGS, BUILD_SHARED_LIBS and
# WARNINGS_AS_ERRORS, and LIBDIR and PKG_CONFIG for the pkg_config mode.

# Runs a command and stops the script with its output when it fails.
function(run)
  string(JOIN " " command_line ${ARGN})
  message(STATUS "running: ${command_line}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed with ${result}: ${command_line}")
  endif()
endfunction()

# Configures and builds the consumer project in folder NAME with the main
# build's compiler and flags, in BINARY_DIR, then runs it.
function(build_and_run_consumer name binary_dir)
  set(launcher "")
  if(LAUNCHER)
    set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  endif()
  run("${CMAKE_COMMAND}" -S "${CONSUMER_DIR}/${name}" -B "${binary_dir}"
    -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" ${launcher}
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DBUILD_SHARED_LIBS=${BUILD_SHARED_LIBS}"
    "-DSWR_WARNINGS_AS_ERRORS=${WARNINGS_AS_ERRORS}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DSWR_SOURCE_DIR=${SOURCE_DIR}")
  run("${CMAKE_COMMAND}" --build "${binary_dir}" --parallel 2)
  run("${binary_dir}/consumer" "${WORK_DIR}/tls")
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")

elseif(MODE STREQUAL "find_package")
  file(REMOVE_RECURSE "${WORK_DIR}/tls")
  build_and_run_consumer(find_package "${WORK_DIR}/build")

elseif(MODE STREQUAL "pkg_config")
  set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
  execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs swr-async
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs swr-async failed with ${result}")
  endif()
  message(STATUS "pkg-config --cflags --libs swr-async: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  # The .pc file leaves the language standard to the user, as is usual, so
  # C++20 is chosen here.
  run(${LAUNCHER} "${CXX_COMPILER}" -std=c++20 ${cxx_flags}
    "${CONSUMER_DIR}/pkg_config_consumer.cpp" ${flags} -o "${WORK_DIR}/pkg_config_consumer")
  run("${WORK_DIR}/pkg_config_consumer")

elseif(MODE STREQUAL "add_subdirectory" OR MODE STREQUAL "fetchcontent")
  # SOURCE_DIR is a tree of symbolic links to the checkout, and the consumer
  # is built one level below it. With CCACHE_BASEDIR set to that tree, ccache
  # sees the sources as ../src/... and ../include, as in a main build one
  # level below the checkout with CCACHE_BASEDIR set to the checkout (which
  # scripts/lib.sh sets). It then reuses that build's objects instead of
  # compiling the library again; otherwise the first run compiles it.
  set(ENV{CCACHE_BASEDIR} "${SOURCE_DIR}")
  set(ENV{CCACHE_NOHASHDIR} "1")
  file(REMOVE_RECURSE "${WORK_DIR}/tls")
  build_and_run_consumer(${MODE} "${SOURCE_DIR}/build-${MODE}")

else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
