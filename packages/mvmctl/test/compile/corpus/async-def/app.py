import asyncio
import mvm
@mvm.app(name="async-fn", image=mvm.python_image(python="3.13"))
async def fetch(url: str) -> str:
    await asyncio.sleep(0)
    return url

if __name__ == "__main__":
    mvm.emit_json()
