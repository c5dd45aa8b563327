"""The story stages (embed, assign, passes, write) and what describes a story: its
category, rank and topics."""
