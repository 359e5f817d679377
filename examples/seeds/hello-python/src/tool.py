def run(prompt: str) -> str:
    return prompt.upper()
