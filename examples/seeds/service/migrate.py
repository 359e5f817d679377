import pathlib

pathlib.Path("/run/migrated").write_text("ok\n")
print("migrate: done", flush=True)
