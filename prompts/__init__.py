"""The prompts app: `hotline prompts build` renders the core's standard phrases
(hotline/phrases.toml, read through hotline.prompt_catalogue) into settings.sounds_dir for Asterisk."""
