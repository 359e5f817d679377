from mvm import app as declare  # noqa: F401
