import mvm
@mvm.app(
    name="secrets",
    image=mvm.python_image(),
    env={
        "MODEL": mvm.literal("gpt-4.1-mini"),
        "OPENAI_API_KEY": mvm.secret("openai-api-key", var="OPENAI_API_KEY"),
    },
)
def secrets() -> None:
    pass
