import time

print("server: started", flush=True)
while True:
    time.sleep(3600)
