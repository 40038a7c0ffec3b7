# Install rules, included by the top-level CMakeLists.txt when SWR_INSTALL is
# on. `cmake --install BUILD_DIR --prefix PREFIX` puts into PREFIX:
#   include/swr/                          the public headers
#   LIBDIR/libswr.*, libswr_emulator.*    swr::swr and swr::emulator
#   LIBDIR/cmake/swr-async/               find_package(swr-async CONFIG) files
#   LIBDIR/pkgconfig/swr-async.pc         flags for swr::swr only
#   bin/swr-shared-repos, bin/swr-emulator
# LIBDIR is GNUInstallDirs' CMAKE_INSTALL_LIBDIR: `lib`, or
# `lib/x86_64-linux-gnu` on Debian when the prefix is /usr.
include(CMakePackageConfigHelpers)

set(swr_package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/swr-async")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/swr" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# Destinations come from GNUInstallDirs: static and shared libraries to
# LIBDIR, executables to BINDIR.
install(TARGETS swr swr_emulator EXPORT swr-async-targets)
install(TARGETS swr-shared-repos swr-emulator)
if(BUILD_SHARED_LIBS)
  # The executables find libswr.so and libswr_emulator.so next to them.
  file(RELATIVE_PATH swr_lib_from_bin "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
  set_target_properties(swr-shared-repos swr-emulator PROPERTIES INSTALL_RPATH "$ORIGIN/${swr_lib_from_bin}")
endif()

# The CMake package: swr::swr, swr::emulator and their dependencies.
install(EXPORT swr-async-targets
  NAMESPACE swr::
  FILE swr-asyncTargets.cmake
  DESTINATION "${swr_package_dir}")
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/swr-asyncConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/swr-asyncConfig.cmake"
  INSTALL_DESTINATION "${swr_package_dir}")
# Before 1.0, a minor version may break the API, so only the same minor
# version is compatible.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/swr-asyncConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/swr-asyncConfig.cmake"
  "${PROJECT_BINARY_DIR}/swr-asyncConfigVersion.cmake"
  DESTINATION "${swr_package_dir}")

# Appends to the list named OUT a $<TARGET_LINKER_FILE:...> for each imported
# library among TARGETS and, recursively, their INTERFACE_LINK_LIBRARIES,
# e.g. Boost::json and the Boost::container it links.
function(swr_collect_linker_files out)
  set(files ${${out}})
  foreach(target IN LISTS ARGN)
    if(NOT TARGET "${target}")
      continue()
    endif()
    get_target_property(type "${target}" TYPE)
    if(type MATCHES "^(STATIC|SHARED|UNKNOWN)_LIBRARY$")
      list(APPEND files "$<TARGET_LINKER_FILE:${target}>")
    endif()
    get_target_property(dependencies "${target}" INTERFACE_LINK_LIBRARIES)
    if(dependencies)
      swr_collect_linker_files(files ${dependencies})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES files)
  set(${out} "${files}" PARENT_SCOPE)
endfunction()

# The pkg-config file. Its prefix is found relative to the file itself
# (${pcfiledir}), so that it stays valid for `cmake --install --prefix`.
# OpenSSL comes from its own openssl.pc. Boost 1.81 has no .pc files, so
# its libraries are named by full path, which also keeps a Boost 1.74
# installed beside it out of the link.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(swr_pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH swr_pc_prefix "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" swr_pc_prefix "\${pcfiledir}/${swr_pc_prefix}")
endif()
foreach(kind IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(swr_pc_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(swr_pc_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
set(swr_pc_boost_libraries "")
swr_collect_linker_files(swr_pc_boost_libraries Boost::json Boost::url)
list(JOIN swr_pc_boost_libraries " " swr_pc_boost_libraries)
configure_file("${CMAKE_CURRENT_LIST_DIR}/swr-async.pc.in" "${PROJECT_BINARY_DIR}/swr-async.pc.in" @ONLY)
file(GENERATE
  OUTPUT "${PROJECT_BINARY_DIR}/swr-async.pc"
  INPUT "${PROJECT_BINARY_DIR}/swr-async.pc.in")
install(FILES "${PROJECT_BINARY_DIR}/swr-async.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
