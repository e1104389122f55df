"""The supervisor's Prompts page (#18)."""
