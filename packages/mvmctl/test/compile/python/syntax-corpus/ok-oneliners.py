import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e): x = 1; return x

class C: pass
if True: y = 2
while False: pass
