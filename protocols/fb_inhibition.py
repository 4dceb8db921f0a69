"""Protocol script ``fb-inhibition`` (``--help`` lists its options); defined in neurolab_snn.gallery.scripts."""
from functools import partial

from neurolab_snn.gallery.scripts import script_main

main = partial(script_main, "fb_inhibition")
if __name__ == "__main__":
    main()
