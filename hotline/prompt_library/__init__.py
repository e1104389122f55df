"""The prompts' audio (#18): the standard phrases of hotline/phrases.toml said by a speech engine
(`builder`, `engines`, `audio`) or recorded by the operator (`recording`), what each file in the
sounds dir is (`manifest`), and the changes an operator makes with their history (`library`).
The panel's Prompts page and `hotline prompts` (the prompts app) both call these."""
