import pathlib
import sys

# The simulator is imported as `ascend_sim` from this folder, exactly as it is inside the image (/opt/ascend-sim).
sys.path.insert(0, str(pathlib.Path(__file__).parent))
