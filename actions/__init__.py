"""What preprod does: one subpackage per journey step, and the environments they act on."""
