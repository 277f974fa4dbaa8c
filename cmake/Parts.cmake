# Helpers that give every part the same shape: a static library ci_<part> built from the .cc
# files of src/<part>/ (globbed, so adding a file needs no CMake edit), warnings on, and a test
# executable <part>_test built from tests/<part>/*_test.cc.

function(custintel_warnings target)
  # -Wno-restrict: GCC 12 false positive inside libstdc++ string code (GCC bug 105651).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# custintel_part(<name> [SUBDIRS <dirs>...] [DEPS <targets>...] [PRIVATE_DEPS <targets>...]
#                [EXCLUDE <regex>])
# <name> may be a sub-folder ("ai/llama" -> target ci_ai_llama). SUBDIRS: sub-folders of
# src/<name>/ whose files belong to the same library (pipeline/text: the text analysis step).
function(custintel_part name)
  cmake_parse_arguments(P "" "EXCLUDE" "SUBDIRS;DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cc)
  foreach(sub ${P_SUBDIRS})
    file(GLOB sub_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/${sub}/*.cc)
    list(APPEND srcs ${sub_srcs})
  endforeach()
  string(REPLACE "/" "_" name ${name})
  if(P_EXCLUDE)
    list(FILTER srcs EXCLUDE REGEX "${P_EXCLUDE}")
  endif()
  if(NOT srcs)  # a part with no code yet still gives its dependents a target
    add_library(ci_${name} INTERFACE)
    target_include_directories(ci_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(ci_${name} INTERFACE ${P_DEPS})
    return()
  endif()
  add_library(ci_${name} STATIC ${srcs})
  target_include_directories(ci_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(ci_${name} PUBLIC ${P_DEPS} PRIVATE ${P_PRIVATE_DEPS})
  custintel_warnings(ci_${name})
endfunction()

# custintel_part_test(<name> [NO_LIB] [DEPS <targets>...] [LABELS <labels>...])
# NO_LIB: the part is no library to link (the PostgreSQL extension is a module the test installs).
function(custintel_part_test name)
  cmake_parse_arguments(T "NO_LIB" "" "DEPS;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${name}/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(${name}_test ${srcs})
  set(part ci_${name})
  if(T_NO_LIB)
    set(part)
  endif()
  target_link_libraries(${name}_test PRIVATE ${part} ${T_DEPS} ci_testing GTest::gtest_main GTest::gmock)
  custintel_warnings(${name}_test)
  gtest_discover_tests(${name}_test WORKING_DIRECTORY ${PROJECT_BINARY_DIR} DISCOVERY_TIMEOUT 60)
  # List-valued test properties (LABELS, ENVIRONMENT) do not survive gtest_discover_tests'
  # PROPERTIES (CMake 3.25 flattens "a;b" into separate words), so a file that ctest reads after
  # the discovered tests sets them over the ${name}_test_TESTS list that discovery defines.
  set(props ${CMAKE_CURRENT_BINARY_DIR}/${name}_test_properties.cmake)
  file(WRITE ${props} "if(${name}_test_TESTS)
  set_tests_properties(\${${name}_test_TESTS} PROPERTIES LABELS \"${name};${T_LABELS}\"
    ENVIRONMENT \"CUSTINTEL_BIN=${PROJECT_BINARY_DIR}/custintel;CUSTINTEL_SOURCE_DIR=${PROJECT_SOURCE_DIR}\")
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${props})
endfunction()

# custintel_forbid_link(<target> <forbidden>...): fails the configure step when <target> links
# any of <forbidden>, directly or through its dependencies. The engines that other hosts
# embed (the text engine, the customer-base models, the AI core) must not pull in DuckDB.
function(custintel_forbid_link target)
  set(seen)
  set(todo ${target})
  while(todo)
    list(POP_FRONT todo t)
    if(NOT TARGET ${t} OR t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    if(t IN_LIST ARGN)
      message(FATAL_ERROR "${target} must not link ${t} (it is an engine other hosts embed), but it does "
                          "through its dependencies")
    endif()
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
    foreach(l ${libs} ${ilibs})
      # A static library's private dependencies appear as $<LINK_ONLY:dep>: they are linked too.
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" l "${l}")
      if(l AND NOT l MATCHES "^\\$<|-NOTFOUND$")
        list(APPEND todo ${l})
      endif()
    endforeach()
  endwhile()
endfunction()

# custintel_pic_copy(<target>...): a position-independent copy <target>_pic of each static
# library, from the same sources, include directories, definitions and options, linking the
# _pic copies of those of <target>... it links. For shared modules (the PostgreSQL extension):
# the parts themselves stay non-PIC, so the binary and the tests are not rebuilt. Call it in the
# directory that defined the targets (source-file properties are per directory). Built only
# when something links it.
function(custintel_pic_copy)
  foreach(t ${ARGN})
    get_target_property(srcs ${t} SOURCES)
    add_library(${t}_pic STATIC EXCLUDE_FROM_ALL ${srcs})
    set_target_properties(${t}_pic PROPERTIES POSITION_INDEPENDENT_CODE ON)
    # Generated sources (embedded assets) are written by the original target's rules first.
    add_dependencies(${t}_pic ${t})
    foreach(p INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS INTERFACE_INCLUDE_DIRECTORIES
              INTERFACE_SYSTEM_INCLUDE_DIRECTORIES INTERFACE_COMPILE_DEFINITIONS)
      get_target_property(v ${t} ${p})
      if(v)
        set_property(TARGET ${t}_pic PROPERTY ${p} "${v}")
      endif()
    endforeach()
    foreach(p LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(libs ${t} ${p})
      set(mapped)
      foreach(l ${libs})
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" bare "${l}")
        if(bare IN_LIST ARGN)
          string(REPLACE "${bare}" "${bare}_pic" l "${l}")
        endif()
        list(APPEND mapped "${l}")
      endforeach()
      if(mapped)
        set_property(TARGET ${t}_pic PROPERTY ${p} "${mapped}")
      endif()
    endforeach()
  endforeach()
endfunction()
