import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    x = 1
# comment at column 1
            # comment far right
    

    return x
