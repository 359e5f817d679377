import mvm


@mvm.app(name="syn", image=mvm.python_image())
async def handler(src):
    async with src as s:
        async for x in s:
            await x
    return [y async for y in src]
