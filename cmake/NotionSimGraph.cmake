# The link graph of the deterministic targets, written for tests/determinism_guard.sh.
#
# nsim_write_determinism_graph(OUTPUT file TARGETS t1 t2 ... [ALLOW target=dep ...])
# writes one line per fact, tab-separated:
#   deterministic <target>
#   links <target> <dependency>        every target or library it links, transitively
#   allow <target> <dependency>        a link the guard accepts for that target
#   source <target> <absolute path>    its sources
#   include_dir <target> <absolute path>
# The guard then checks that no deterministic target links a live dependency (libcurl,
# cpp-httplib, SQLite, threads, the *_live and simulator_http targets) and that no source of one,
# nor any header of ours it includes, reads the real clock or real randomness. It follows what the
# build links, not file names: a live file is exempt because no deterministic target compiles it.

# The targets and libraries `target` links, directly or through others (aliases resolved,
# $<LINK_ONLY:...> of static libraries' private dependencies included).
function(_nsim_link_closure target out)
  set(seen "")
  set(queue ${target})
  while(queue)
    list(POP_FRONT queue t)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" t "${t}")
    if(t STREQUAL "" OR t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    if(NOT TARGET ${t})
      continue()
    endif()
    get_target_property(aliased ${t} ALIASED_TARGET)
    if(aliased)
      list(APPEND queue ${aliased})
      continue()
    endif()
    get_target_property(type ${t} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(libs ${t} LINK_LIBRARIES)
      if(libs)
        list(APPEND queue ${libs})
      endif()
    endif()
    get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
    if(ilibs)
      list(APPEND queue ${ilibs})
    endif()
  endwhile()
  list(REMOVE_ITEM seen ${target})
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

function(nsim_write_determinism_graph)
  cmake_parse_arguments(ARG "" "OUTPUT" "TARGETS;ALLOW" ${ARGN})
  set(lines "")
  foreach(target IN LISTS ARG_TARGETS)
    string(APPEND lines "deterministic\t${target}\n")
    _nsim_link_closure(${target} deps)
    foreach(dep IN LISTS deps)
      string(APPEND lines "links\t${target}\t${dep}\n")
    endforeach()
    get_target_property(dir ${target} SOURCE_DIR)
    get_target_property(sources ${target} SOURCES)
    foreach(src IN LISTS sources)
      cmake_path(ABSOLUTE_PATH src BASE_DIRECTORY ${dir} NORMALIZE OUTPUT_VARIABLE abs)
      string(APPEND lines "source\t${target}\t${abs}\n")
    endforeach()
    get_target_property(includes ${target} INCLUDE_DIRECTORIES)
    foreach(inc IN LISTS includes)
      string(APPEND lines "include_dir\t${target}\t${inc}\n")
    endforeach()
  endforeach()
  foreach(allow IN LISTS ARG_ALLOW)
    string(REPLACE "=" "\t" allow "${allow}")
    string(APPEND lines "allow\t${allow}\n")
  endforeach()
  file(WRITE ${ARG_OUTPUT} "${lines}")
endfunction()
