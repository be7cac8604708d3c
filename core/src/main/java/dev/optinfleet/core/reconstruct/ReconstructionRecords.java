package dev.optinfleet.core.reconstruct;

import dev.optinfleet.schemas.mask.MaskDocument;

import java.util.ArrayList;
import java.util.List;

/** Maps a {@link Reconstruction} to the {@code reconstruction} record of mask.json. Pure functions. */
public final class ReconstructionRecords {

    private ReconstructionRecords() {
    }

    public static MaskDocument.Reconstruction of(Reconstruction r) {
        List<MaskDocument.Refit> sublayers = new ArrayList<>();
        for (SublayerRefit s : r.refits()) {
            sublayers.add(new MaskDocument.Refit(s.layer(), s.sublayer(), s.status(), s.kept(), s.tokens(),
                    s.lambda(), s.errorBefore(), s.errorAfter(), s.underdetermined()));
        }
        Repair repair = r.settings().repair();
        return new MaskDocument.Reconstruction(repair.wireName(),
                repair.refitsWeights() ? r.settings().relativeRidge() : 0, r.samples(), r.tokens(), sublayers);
    }
}
