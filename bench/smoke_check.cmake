# Runs `swr-bench --smoke` and checks the report it writes: every section is
# there, every Markdown table has the same number of cells in each row, and no
# figure is NaN or infinite. Speeds are not checked.
#
# Usage: cmake -DSWR_BENCH=PATH -DREPORT=FILE -P smoke_check.cmake

if(NOT SWR_BENCH OR NOT REPORT)
  message(FATAL_ERROR "usage: cmake -DSWR_BENCH=PATH -DREPORT=FILE -P smoke_check.cmake")
endif()

file(REMOVE "${REPORT}")
execute_process(
  COMMAND "${SWR_BENCH}" --smoke --output "${REPORT}"
  RESULT_VARIABLE status
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "swr-bench --smoke exited with ${status}:\n${output}\n${errors}")
endif()
if(NOT output MATCHES "Targets\n")
  message(FATAL_ERROR "swr-bench printed no table of targets:\n${output}")
endif()
if(NOT EXISTS "${REPORT}")
  message(FATAL_ERROR "swr-bench wrote no report to ${REPORT}")
endif()

file(READ "${REPORT}" report)
foreach(heading
    "<!-- swr-bench results: begin -->"
    "### Machine"
    "### Targets"
    "### 1. Throughput next to wrk"
    "### 2. CPU per page"
    "### 3. Latency hiding"
    "### 4. Flat memory"
    "### 5. Rate accuracy"
    "### 6. The emulator under wrk"
    "### 7. Instructions per page"
    "<!-- swr-bench results: end -->")
  string(FIND "${report}" "${heading}" position)
  if(position EQUAL -1)
    message(FATAL_ERROR "the report has no '${heading}':\n${report}")
  endif()
endforeach()

# Tables: consecutive lines that start with '|'. Semicolons would split the
# CMake list, and an unmatched square bracket would join its elements, so
# these are replaced first.
string(REPLACE ";" "," report_text "${report}")
string(REPLACE "[" "(" report_text "${report_text}")
string(REPLACE "]" ")" report_text "${report_text}")
string(REPLACE "\n" ";" lines "${report_text}")
set(tables 0)
set(columns "")
foreach(line IN LISTS lines)
  if(line MATCHES "^\\|")
    string(REGEX REPLACE "[^|]" "" bars "${line}")
    string(LENGTH "${bars}" count)
    if(columns STREQUAL "")
      set(columns ${count})
      math(EXPR tables "${tables} + 1")
    elseif(NOT count EQUAL columns)
      message(FATAL_ERROR "table ${tables} has a row with ${count} bars instead of ${columns}: ${line}")
    endif()
    string(TOLOWER "${line}" lower)
    if(lower MATCHES "[| ](-?nan|-?inf)[ |%]")
      message(FATAL_ERROR "a figure is not a number: ${line}")
    endif()
  else()
    set(columns "")
  endif()
endforeach()
if(tables LESS 9)
  message(FATAL_ERROR "the report has ${tables} tables; expected the machine, the targets and 7 results")
endif()
message(STATUS "report ${REPORT}: ${tables} well-formed tables")
