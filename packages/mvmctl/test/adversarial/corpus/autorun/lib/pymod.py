import mvm  # noqa: F401
