import mvm


@mvm.app(name="syn", image=mvm.python_image())
handler = 1
