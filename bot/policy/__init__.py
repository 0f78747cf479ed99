"""Who may ask, where, with which model, and how much it may spend: the policy file, its
decisions and where they take effect."""
