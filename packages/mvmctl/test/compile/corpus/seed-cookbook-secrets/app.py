import mvm
@mvm.app(
    name="secret-tool",
    image=mvm.python_image(),
    env={
        "MODEL": mvm.literal("gpt-4.1-mini"),
        "OPENAI_API_KEY": mvm.secret("openai-api-key", var="OPENAI_API_KEY"),
    },
)
def ask(prompt: str) -> str:
    return prompt

if __name__ == "__main__":
    mvm.emit_json()
