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

# custintel_part_test(<name> [DEPS <targets>...] [LABELS <labels>...])
function(custintel_part_test name)
  cmake_parse_arguments(T "" "" "DEPS;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${name}/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(${name}_test ${srcs})
  target_link_libraries(${name}_test PRIVATE ci_${name} ${T_DEPS} ci_testing GTest::gtest_main GTest::gmock)
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
