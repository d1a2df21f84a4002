"""Divided attention: cueing both stimuli keeps both represented, each below selective attention.

Sustained cues at A, at B, at both or at neither. With both cued, PFC holds both locations and both
stimuli are enhanced over the uncued condition in V1 and parietal, but each less than when it alone
is attended, because the two attended populations inhibit each other.
Run: python experiments/attention_divided.py --out results
"""
from _paradigm import main

if __name__ == "__main__":
    main("divided", __doc__, example="attend both")
