import unhomoglyph from 'unhomoglyph';

/**
 * The Unicode TR39 skeleton (§4: NFD, the confusables.txt prototypes, NFD again) of a
 * normalised username: two names that look alike, such as a Cyrillic `а` for a Latin `a`, or
 * `rn` for `m`, have the same skeleton. Data: the `unhomoglyph` package's confusables.txt.
 */
export const usernameSkeleton = (username: string): string => unhomoglyph(username.normalize('NFD')).normalize('NFD');
