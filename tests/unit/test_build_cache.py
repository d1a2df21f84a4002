"""Where compiled standalone projects are kept, and how two users of one structure share the folder."""
import os

from neuroattn.engine import compiled


def test_kept_folder_is_locked_and_shared_in_turn(monkeypatch, tmp_path):
    monkeypatch.setenv("NEUROATTN_BUILD_CACHE", str(tmp_path))
    key = (("areas", 1), 200, 1e-4, 20000, (), None, (2,))
    first, lock = compiled._build_folder(key)
    assert os.path.dirname(first) == str(tmp_path) and lock is not None
    other, no_lock = compiled._build_folder(key)  # held: a temporary folder of its own
    assert no_lock is None and os.path.dirname(other) != str(tmp_path) and os.path.isdir(other)
    lock.release()
    again, lock = compiled._build_folder(key)  # free again: the same kept folder
    assert again == first
    lock.release()
    different, lock = compiled._build_folder(key[:1] + (100,) + key[2:])  # another batch size
    assert different != first
    lock.release()
