"""turnout's embedded sandbox: moto plus turnout's emulation of what moto lacks, with the
real template.yaml deployed into it. Local only: never shipped to Lambda."""
