"""Biased competition: a temporal unit's pair response lies between its single responses, and
attention moves it toward the attended stimulus's single response (Reynolds et al. 1999).

P is the unit's preferred stimulus (at its receptive-field centre), N a non-preferred one 0.25 away.
Run: python experiments/attention_biased_competition.py --out results
"""
from _paradigm import main

if __name__ == "__main__":
    main("biased", __doc__, areas=("V1", "temporal", "PFC"), example="pair, attend N")
