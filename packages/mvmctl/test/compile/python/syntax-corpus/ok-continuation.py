import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(a,
            b=1):
   total = a + \
       b
   items = [
1,
          2,
   ]
   return total, items
