print("worker: started", flush=True)
