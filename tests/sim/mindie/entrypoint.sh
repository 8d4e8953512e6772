#!/bin/sh
# The MindIE image's entrypoint, as in MindIE-LLM docker/entrypoint.sh: a banner, then the command or a shell.
echo "MindIE 2.1.RC1 (ascendops.llm simulator stand-in)"
echo "By using this image you accept the MindIE license agreement."
if [ "$#" -eq 0 ]; then
    exec sh
fi
exec "$@"
