"""Campaign replies from Instantly: triage, a drafted answer behind approval, write-back."""
