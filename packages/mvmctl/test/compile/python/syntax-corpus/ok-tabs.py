import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
	if e:
		return 1
	return 0
