# Helpers that give every part the same shape: a static library ci_<part> built from the .cc
# files of src/<part>/ (globbed, so adding a file needs no CMake edit), warnings on, and a test
# executable <part>_test built from tests/<part>/*_test.cc.

function(custintel_warnings target)
  # -Wno-restrict: GCC 12 false positive inside libstdc++ string code (GCC bug 105651).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# custintel_part(<name> [DEPS <targets>...] [PRIVATE_DEPS <targets>...] [EXCLUDE <regex>])
function(custintel_part name)
  cmake_parse_arguments(P "" "EXCLUDE" "DEPS;PRIVATE_DEPS" ${ARGN})
  # One folder level below the part belongs to it too (src/models/clv/*.cc is part of ci_models).
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cc ${PROJECT_SOURCE_DIR}/src/${name}/*/*.cc)
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
