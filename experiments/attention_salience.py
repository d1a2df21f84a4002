"""Salience capture: a distractor of high emotional value (amygdala) beats a weak cue; a strong cue
overrides it. Without the value, the same weak cue selects the target.
Run: python experiments/attention_salience.py --out results
"""
from _paradigm import main

if __name__ == "__main__":
    main("salience", __doc__, areas=("V1", "amygdala", "PFC"), example="weak cue")
