import { accountIdFromInstanceId, accountInstanceId } from '../../shared/pipeline/instance-id';

const ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/Media-RG/providers/Microsoft.Media/mediaServices/Contoso';

describe('accountInstanceId', () => {
  it('is the same for every spelling of one account', () => {
    const a = accountInstanceId(ID);
    expect(accountInstanceId(ID.toLowerCase())).toBe(a);
    expect(accountInstanceId(`  ${ID.replace('mediaServices', 'mediaservices')}/ `)).toBe(a);
    expect(a).toBe('ams~00000000-0000-0000-0000-000000000001~media-rg~contoso');
  });

  it('differs between accounts and holds no characters instance ids refuse', () => {
    const other = accountInstanceId(ID.replace('Contoso', 'Fabrikam'));
    expect(other).not.toBe(accountInstanceId(ID));
    const odd = accountInstanceId(ID.replace('Media-RG', 'rg.(with)_odd~chars'));
    expect(odd).not.toMatch(/[/\\#?]/);
    expect(accountIdFromInstanceId(odd)).toBe(
      ID.replace('Media-RG', 'rg.(with)_odd~chars').toLowerCase(),
    );
  });

  it('maps back to the canonical account id, and rejects other ids', () => {
    expect(accountIdFromInstanceId(accountInstanceId(ID))).toBe(ID.toLowerCase());
    expect(accountIdFromInstanceId('something-else')).toBeUndefined();
    expect(accountIdFromInstanceId('ams~a~b')).toBeUndefined();
  });

  it('refuses what is not an account id', () => {
    expect(() => accountInstanceId('/subscriptions/x/resourceGroups/y')).toThrow(
      /not a Media Services account id/,
    );
  });
});
