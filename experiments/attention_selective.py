"""Selective attention: a cue at one of two equal visual stimuli makes its population win.

The cue (input to PFC at A or B) ends 100 ms before the stimuli appear; PFC holds it as persistent
activity, and feedback through parietal to V1 lets the cued stimulus win in V1, parietal and PFC.
Without a cue, the stronger stimulus wins. Run: python experiments/attention_selective.py --out results
"""
from _paradigm import main

if __name__ == "__main__":
    main("selective", __doc__, example="cue A")
