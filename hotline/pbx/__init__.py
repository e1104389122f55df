"""The private Asterisk: its configuration, its process, and AMI actions."""
