# custintel_embed(<target> <namespace-prefix> <files...>)
# Generates a .cc that holds each file's bytes, so SQL and other assets ship inside the binary
# without being copied into C++ by hand. Lookup: custintel::embedded::Find("features/x.sql").
function(custintel_embed target)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded.cc)
  set(inputs)
  foreach(f ${ARGN})
    list(APPEND inputs ${f})
  endforeach()
  # The list travels as one -D argument: its ';' must not split the command line.
  string(REPLACE ";" "$<SEMICOLON>" inputs_arg "${inputs}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DROOT=${PROJECT_SOURCE_DIR}/src
            "-DFILES=${inputs_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${target} assets"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
