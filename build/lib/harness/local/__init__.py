"""Embedded local models: bundled GGUF weights served on 127.0.0.1 by llama-cpp-python."""
