# Writes the build identity (sim/version.cpp.in) at every build, not only at
# configure time, so a result file names the commit its binary was built
# from; "-dirty" when tracked files differ from that commit. configure_file
# rewrites the file only when its text changes, so an unchanged identity
# rebuilds nothing.
#
#   cmake -DSOURCE_DIR=... -DOUT=... -DPROJECT_VERSION=... -P cmake/version.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE TRUSTSIM_GIT_SHA
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT TRUSTSIM_GIT_SHA)
  set(TRUSTSIM_GIT_SHA "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes ERROR_QUIET)
  if(changes)
    string(APPEND TRUSTSIM_GIT_SHA "-dirty")
  endif()
endif()
configure_file(${SOURCE_DIR}/sim/version.cpp.in ${OUT} @ONLY)
