"""Writes of the courses app."""

# --- Course administration (admin only: instructors, status) ---------------------------------


# -----------------------------------------------------------------------------------------------
#
#
#
# --- Instructor workspace (modules and lectures of assigned courses) ---------------------------
