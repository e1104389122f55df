"""The catalogue of standard phrases and their audio: `hotline prompts build` renders
prompts/catalogue.toml into settings.sounds_dir for Asterisk (see hotline.prompt_catalogue)."""
