"""Integrative (cross-modal) attention: congruent visual and auditory stimuli enhance each other.

A visual stimulus at A with an auditory one at the same place (congruent) or elsewhere (incongruent).
Parietal sums V1 and A1 by location: congruent inputs reinforce each other there, and parietal
feedback enhances the V1 response too; incongruent ones compete through parietal lateral inhibition.
Run: python experiments/attention_integrative.py --out results
"""
from _paradigm import main

if __name__ == "__main__":
    main("integrative", __doc__, areas=("V1", "A1", "parietal", "PFC"), example="congruent")
