namespace Orleans.AgentChannel.Storage;

internal static class StateWrites
{
    /// <summary>
    /// Stores the state (with its rows, one transaction). When that fails, the call is refused whole: the state as
    /// stored is read back into memory, or, if even that fails, the activation goes, so nothing of the refused call
    /// stays behind in memory and a retry starts from what is stored.
    /// </summary>
    public static async Task WriteOrRestore<T>(this IPersistentState<T> state, Action deactivate)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            try
            {
                await state.ReadStateAsync();
            }
            catch
            {
                deactivate();
            }
            throw;
        }
    }
}
