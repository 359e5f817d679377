import mvm
@mvm.app(image=mvm.python_image())
def summarize(text: str, limit: int = 10) -> str:
    return text[:limit]

if __name__ == "__main__":
    mvm.emit_json()
