# Runs the importer fuzzer for 60 s over a seed corpus: the model.onnx of every 7th case of
# libonnx-testdata's node/ suite, copied into a fresh corpus folder.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB cases LIST_DIRECTORIES true ${SEEDS}/*)
list(SORT cases)
set(i 0)
foreach(c ${cases})
  math(EXPR keep "${i} % 7")
  if(keep EQUAL 0 AND EXISTS ${c}/model.onnx)
    get_filename_component(name ${c} NAME)
    file(COPY_FILE ${c}/model.onnx ${WORK}/corpus/${name}.onnx)
  endif()
  math(EXPR i "${i} + 1")
endforeach()
execute_process(COMMAND ${FUZZER} ${WORK}/corpus -max_total_time=60 -rss_limit_mb=4096
                        -timeout=20 -print_final_stats=1
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the importer fuzzer found a failure (exit ${rc}); its input is in ${WORK}")
endif()
