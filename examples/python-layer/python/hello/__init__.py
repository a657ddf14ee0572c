"""A tiny package that the sample layer ships under /opt/python."""


def greet(name: str) -> str:
    return f"Hello, {name}, from a Function Compute layer!"
