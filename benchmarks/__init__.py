"""joinery's performance suite (see README.md in this folder)."""
