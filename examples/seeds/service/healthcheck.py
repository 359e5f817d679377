import pathlib
import sys

sys.exit(0 if pathlib.Path("/run/migrated").exists() else 1)
